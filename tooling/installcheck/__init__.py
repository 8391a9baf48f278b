"""`make check-install`: every make target installs what it runs.

A static check over the Makefile, mk/*.mk, the shell scripts they call and the Python tests they run: each external
command a target reaches must be on a new machine (``base-packages.txt``, the Debian packages of the machine image)
or installed by that target or one of its prerequisites (``ensure_pkgs``/``apt-get install`` in a recipe, script
or shell function it reaches, or a project script that installs the tool). An install that only an earlier tier
performs does not count: every target is checked alone. ``commands.tsv`` says which package provides each command.
"""
