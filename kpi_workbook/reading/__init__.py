"""Reading what comes from outside, safely and bounded: workbooks of any format, the
roster, and a round's CSV folder (last round's, or one for analysts)."""
