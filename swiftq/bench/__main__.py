import sys

from swiftq.bench.cli import main

sys.exit(main())
