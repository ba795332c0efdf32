"""What we lend: categories, skills, tool types and their units at the centres, with their
tickets, inspections and labels."""
