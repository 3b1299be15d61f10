"""Flask extensions, created unbound and wired in create_app through init_app."""

from flask_babel import Babel
from flask_wtf import CSRFProtect

babel = Babel()
csrf = CSRFProtect()
