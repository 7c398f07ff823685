"""HTTP plumbing shared by every domain's routes: auth dependencies, error rendering."""
