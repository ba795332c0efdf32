"""Reports for coordinators and donors: read-only figures over the other rooms."""
