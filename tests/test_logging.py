"""No token in any log line: the development server's and gunicorn's access logs are redacted."""

from __future__ import annotations

import logging

from portal.logging import RedactingGunicornLogger, RedactTokensFilter, redact

TOKEN_PATH = "/l/AbCdEfGhIj.1.6zqDJoS5AXea7t8AqpM6mFt26S0"


def test_redact_hides_the_token():
    line = f'127.0.0.1 - - "GET {TOKEN_PATH} HTTP/1.1" 200 -'
    assert "6zqDJ" not in redact(line) and "/l/[redacted]" in redact(line)


def test_werkzeug_log_records_are_redacted(caplog):
    logger = logging.getLogger("werkzeug")
    logger.addFilter(RedactTokensFilter())
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        logger.info('%s - - "%s" %s', "127.0.0.1", f"GET {TOKEN_PATH} HTTP/1.1", 200)
    assert "6zqDJ" not in caplog.text and "/l/[redacted]" in caplog.text


def test_gunicorn_access_atoms_are_redacted():
    class Cfg:
        access_log_format = "%(r)s %(U)s %(f)s"
        errorlog = "-"
        loglevel = "info"
        accesslog = None
        syslog = False
        capture_output = False
        logconfig = None
        logconfig_dict = {}
        logconfig_json = None
        user = None
        group = None
        umask = 0
        statsd_host = None
        dogstatsd_tags = ""
        statsd_prefix = ""
        enable_stdio_inheritance = False
        disable_redirect_access_to_syslog = False
        forwarded_allow_ips = []
        proc_name = "test"

    logger = RedactingGunicornLogger.__new__(RedactingGunicornLogger)
    logger.cfg = Cfg()

    class Req:
        method, path, query, version, uri = "GET", TOKEN_PATH, "", (1, 1), TOKEN_PATH
        headers = [("REFERER", f"https://betal.kreditor.dk{TOKEN_PATH}")]

    class Resp:
        status, sent, headers, response_length = "200 OK", 10, [], 10

    environ = {
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": f"https://betal.kreditor.dk{TOKEN_PATH}",
        "RAW_URI": TOKEN_PATH,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REQUEST_METHOD": "GET",
        "PATH_INFO": TOKEN_PATH,
        "QUERY_STRING": "",
    }
    from datetime import timedelta

    atoms = logger.atoms(Resp(), Req(), environ, timedelta(seconds=0.01))
    assert all("6zqDJ" not in str(atoms[key]) for key in ("r", "U", "f"))
