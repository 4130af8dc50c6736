"""``python -m carpathia`` runs the command line."""

from carpathia.cli import main

if __name__ == "__main__":
    main()
