/* Live preview of a payment plan: when a field changes, post the form as "Preview" and show the schedule.
   Without JavaScript the Preview button does the same with a page load. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-plan-form]");
  var region = document.getElementById("plan-live");
  if (!form || !region || !window.fetch || !window.DOMParser || !window.FormData) {
    return;
  }
  var timer = null;
  var latest = 0;

  function refresh() {
    var data = new FormData(form);
    var asked = ++latest;
    data.set("action", "preview");
    /* form.action would be the buttons named "action": read the attribute */
    fetch(form.getAttribute("action"), { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        if (asked !== latest) {
          return; /* an answer to an older change */
        }
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("plan-live");
        region.innerHTML = fresh ? fresh.innerHTML : "";
      })
      .catch(function () { /* the Preview button still works */ });
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 350);
  }

  form.addEventListener("input", later);
  form.addEventListener("change", later);
})();
