"""The Camunda 7 REST API (`/engine-rest`) over the m8flow engine. HTTP lives here and only here."""
