"""`python -m autolr` runs the same CLI as the `autolr` console script."""

from autolr.cli import main

main()
