"""Administration pages: a collectivité's users, services and history (blueprint
`admin`, /admin) and the platform operator's collectivités (blueprint `platform`,
/plateforme), with the bulk CSV imports of people and services."""
