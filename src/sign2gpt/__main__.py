import sys

from sign2gpt.cli import main

sys.exit(main())
