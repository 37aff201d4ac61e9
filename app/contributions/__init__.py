"""Contributions (bidrag): parts of an answer asked of other units, answered in Besvar or through a link."""
