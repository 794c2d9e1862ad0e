"""The application (service layer): records batches of events in dossiers; knows the domain, not the command line."""
