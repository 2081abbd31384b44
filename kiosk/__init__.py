"""The citizen's side of the queue: the hall kiosk, the printed ticket, the phone page, pairing."""
