import sys

from pipecheck.cli.main import main

sys.exit(main())
