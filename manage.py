#!/usr/bin/env python
from redress.cli import main

if __name__ == "__main__":
    main()
