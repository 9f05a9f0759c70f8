"""Reading a project: which files, their module names, and the Python facts of each."""
