"""Import Camunda 7 deployments, rewrite their extensions and JUEL for m8flow, and report, element by element, what could not be carried over."""
