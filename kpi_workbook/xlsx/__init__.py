"""The speed machinery for writing .xlsx: the only place that decides how cells become XML.

Domain code hands plain values to :mod:`.fast_writer`; :mod:`.deflated_zip` stores parts
already compressed.  Nothing here knows about surveys."""
