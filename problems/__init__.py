"""Built-in problem definitions, one folder per family. ``evolve problems`` lists them."""
