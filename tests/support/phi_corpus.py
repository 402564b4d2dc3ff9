"""Texts a member might write, each with the patient identifiers in it (kind, matched text).

Used by tests/childsys/test_phi_detectors.py and by bench/phi.py (precision and recall). The national
numbers are valid by their checksums unless the case says otherwise; the "clean" cases are ordinary
clinical numbers that must pass: doses, ward and bed numbers, times, years, blood pressures, phone
extensions, guideline codes.
"""

from __future__ import annotations

CORPUS: list[tuple[str, list[tuple[str, str]]]] = [
    # --- UK NHS number (mod 11) ----------------------------------------------------------------
    ("Patient NHS 943 476 5919 was readmitted.", [("gb_nhs", "943 476 5919")]),
    ("NHS no. 943-476-5919 on the drug chart", [("gb_nhs", "943-476-5919")]),
    ("ref 9434765919 in the letter", [("gb_nhs", "9434765919")]),
    ("two patients: 401 023 2137 and 450 557 7104", [("gb_nhs", "401 023 2137"), ("gb_nhs", "450 557 7104")]),
    ("NHS 401 023 2138 (check digit wrong)", []),
    # a wrong check digit in a 3-3-4 number that is a valid US phone number: reported as a phone number
    ("NHS 943 476 5918 (check digit wrong)", [("phone", "943 476 5918")]),
    # --- Singapore NRIC / FIN (check letter) -----------------------------------------------------
    ("Her NRIC is S1234567D.", [("sg_nric", "S1234567D")]),
    ("nric t1234567j at triage", [("sg_nric", "t1234567j")]),
    ("FIN G1234567X, foreign worker", [("sg_nric", "G1234567X")]),
    ("F7654321Q and M1234567K were both admitted", [("sg_nric", "F7654321Q"), ("sg_nric", "M1234567K")]),
    ("S1234567A is not a valid NRIC", []),
    ("order code S1234567 without a letter", []),
    # --- Dutch BSN (11-proof) ------------------------------------------------------------------
    ("BSN 111222333 staat op het formulier", [("nl_bsn", "111222333")]),
    ("burgerservicenummer 1234.56.782", [("nl_bsn", "1234.56.782")]),
    ("BSN 111 222 333", [("nl_bsn", "111 222 333")]),
    ("BSN 111222334 (fails the 11-proof)", []),
    # --- US Social Security number (structure) ---------------------------------------------------
    ("SSN 536-22-1234 on the insurance form", [("us_ssn", "536-22-1234")]),
    ("social security 536 22 1234", [("us_ssn", "536 22 1234")]),
    ("SSN: 536221234", [("us_ssn", "536221234")]),
    ("666-12-3456 is never issued", []),
    ("000-12-3456 is never issued", []),
    # --- medical record numbers (the site's default pattern) -------------------------------------
    ("MRN 00123456 has a penicillin allergy", [("mrn", "MRN 00123456")]),
    ("mrn: AB1234567", [("mrn", "mrn: AB1234567")]),
    ("MRN number #7654321", [("mrn", "MRN number #7654321")]),
    # --- dates of birth ----------------------------------------------------------------------------
    ("DOB 03/04/1985, presented with chest pain", [("dob", "03/04/1985")]),
    ("date of birth: 1985-04-03", [("dob", "1985-04-03")]),
    ("born on 3 March 1985 in Leeds", [("dob", "3 March 1985")]),
    ("D.O.B. March 3, 1985", [("dob", "March 3, 1985")]),
    ("born 12.7.52", [("dob", "12.7.52")]),
    # --- phone numbers ------------------------------------------------------------------------------
    ("her daughter's mobile is 07911 123456", [("phone", "07911 123456")]),
    ("call +65 9123 4567 after 6", [("phone", "+65 9123 4567")]),
    ("husband: (212) 555-0142", [("phone", "(212) 555-0142")]),
    ("bel 06 12345678 voor de uitslag", [("phone", "06 12345678")]),
    # --- email addresses --------------------------------------------------------------------------
    ("her son wrote from j.smith1962@example.com", [("email", "j.smith1962@example.com")]),
    ("mail to patient+ward@mail.example.co.uk", [("email", "patient+ward@mail.example.co.uk")]),
    # --- several in one text -------------------------------------------------------------------
    (
        "Mrs X, NHS 943 476 5919, DOB 03/04/1985, MRN 00123456, daughter on 07911 123456.",
        [("gb_nhs", "943 476 5919"), ("dob", "03/04/1985"), ("mrn", "MRN 00123456"), ("phone", "07911 123456")],
    ),
    # --- ordinary clinical text that must pass ------------------------------------------------------
    ("Give 500 mg amoxicillin three times a day for 7 days.", []),
    ("Ward 12, bed 4, handover at 07:30 and 19:30.", []),
    ("BP 120/80, HR 72, SpO2 98%, temp 37.2.", []),
    ("Since 2019 we audit falls every quarter; in 2024 we saw 31.", []),
    ("Insulin 4 units at 22:00; glucose 5.6 mmol/L at 06:00.", []),
    ("Follow NICE guideline NG51 and local policy 2023/114.", []),
    ("Extension 4521 reaches the night coordinator.", []),
    ("Dose 0.5 mg/kg, max 40 mg, repeat after 15 minutes.", []),
    ("We discussed it on 03/04/2025 at the huddle.", []),
    ("Room 3.14 has the 12-lead ECG machine.", []),
    ("Infusion at 125 ml/h over 8 h, 1000 ml in total.", []),
    ("The audit covered 1,234 admissions and 56 readmissions.", []),
    ("Score 3-2-1 on the early warning chart.", []),
]
