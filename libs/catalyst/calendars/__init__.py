"""Market calendars behind the domain's ``MarketCalendar`` interface: ``NyseCalendar`` (exchange-calendars' XNYS)."""
