"""English dates as the console has always written them ("December 2, 2026, 14:00"):
month names in full and a 24-hour clock, which Django's "en" formats abbreviate
("Dec. 2, 2026, 2 p.m."). German and French keep Django's own formats."""

DATE_FORMAT = "F j, Y"
DATETIME_FORMAT = "F j, Y, H:i"
