"""Convert Camunda 7 forms (generated formData, embedded HTML, Camunda Forms JSON) to form.io JSON for formsflow.ai."""
