"""``python -m cleaner.languagetool supervise STATE IDLE -- JAVA...``: the background server's
supervisor (see :mod:`cleaner.languagetool.supervisor`)."""

import sys

from cleaner.languagetool.supervisor import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
