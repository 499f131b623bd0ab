"""The command line: ``ketenhub demo | publish | run | view | rejected | verify | erase``."""
