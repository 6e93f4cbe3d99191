"""Building, exporting and evaluating Luister's own classification model (`luister model ...`)."""
