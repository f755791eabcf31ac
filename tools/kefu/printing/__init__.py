"""A4 PDFs for trainers: checklists, blank forms, inspection sheets and the trainer pack."""
