"""The demo world's plan: its sizes, shares and fixed texts (folja.demo.builder, .families, .rows)."""

MIN_CHILDREN = 20
BATCH_SIZE = 2000
# Families per flush: bounds memory (a few tens of thousands of model objects at a time).
FAMILIES_PER_CHUNK = 4000
PERSONA_PREFIX = "demo-persona:"
CIVIC_SERIAL_FIRST = 900
CIVIC_SERIALS_PER_SEX = 50
NOTES = (
    "Exempelby kommun är påhittad, och alla personer i den likaså. Alla personnummer är fiktiva: "
    "födelsedatum + födelsenummer 900–999 + giltig kontrollsiffra, genererade och unika i demovärlden. "
    "Telefonnummer 070-174 06 05–99 (PTS nummerserie för fiktion), e-post på .example. "
    "All civic numbers are fictitious (birth date + individual number 900-999 + Luhn check digit)."
)

# Share of children per school type at scale; the rest is preschool.
SHARE_FKLASS = 0.15
SHARE_GR = 0.20
CHILDREN_PER_PRESCHOOL_GROUP = 16
CHILDREN_PER_CLASS = 22
CHILDREN_PER_PRESCHOOL_UNIT = 3000
CHILDREN_PER_SCHOOL = 7500
GR_GRADES = (1, 2, 3)
