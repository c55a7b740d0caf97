"""News intelligence: catalyst classification, sentiment scoring and cross-source merging."""
