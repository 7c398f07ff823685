"""Terminal recordings of what agents ran: asciicast v2 files, live streaming, playback."""
