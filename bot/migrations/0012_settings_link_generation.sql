-- Revision: 0012
-- Revises: 0011
-- Creation Date: 2026-11-22
-- Reason: the redirect checks every destination against the server's allowed domains (and
-- the shop's domain), so a change to those settings must reach the tracker's link cache like
-- a change to a link, a campaign or a creator does (0009).

CREATE TRIGGER guild_settings_inserted AFTER INSERT ON guild_settings
BEGIN UPDATE link_generation SET generation = generation + 1; END;
CREATE TRIGGER guild_settings_redirect_changed
AFTER UPDATE OF allowed_domains, shop_url ON guild_settings
WHEN old.allowed_domains IS NOT new.allowed_domains OR old.shop_url IS NOT new.shop_url
BEGIN UPDATE link_generation SET generation = generation + 1; END;
