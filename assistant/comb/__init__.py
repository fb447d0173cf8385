"""COM-B tagging: the taxonomy as data (taxonomy.yaml, catalogue.yaml), the tagger, and the labelled statements."""
