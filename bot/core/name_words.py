"""Names that are also everyday words, and the words that say a name follows.

A family member called Rose, Faith or Will must not turn "the rose garden", "in good faith" or
"I will call" into labels, so bot.core.redaction replaces a name part listed in EVERYDAY only
where it is used as a name (see Redactor). The list errs on the side of privacy: a name that is an
everyday word but is missing here is replaced wherever the word appears, as any other name is.
Lower case throughout; add to it freely.
"""
from __future__ import annotations

EVERYDAY = frozenset("""
rose faith will hope grace joy may june april august summer autumn winter dawn eve holly ivy lily daisy
poppy iris violet heather hazel olive ruby amber pearl jade crystal ginger honey sunny sandy rusty misty
storm rain river sky star angel chance destiny harmony melody patience prudence mercy charity constance
trust love noble bishop page fox wolf lamb bird swan crane ward banks booth lord short long strong sharp
little hardy moody bright sweet fair free ray jay rob sue pat don nick kit bob bill mark frank grant guy
jack art drew chase wade miles penny sage willow laurel myrtle fern flora forest meadow ocean snow frost
brook brooks marsh hill hills dale glen cliff lane wells ford hall moor field fields wood woods stone reed
green brown white black gray grey young king baker cook mason carter hunter price rich hunt best hope
""".split())

# A name follows these as a person's ("her son Will", "mum Rose", "Nan Faith").
RELATIONS = frozenset("""
son daughter child baby boy girl brother sister sibling twin mum mam mom mummy mother dad daddy father
stepdad stepmum stepfather stepmother stepson stepdaughter partner boyfriend girlfriend husband wife ex
fiance fiancee nan nana nanna gran granny grandma grandmother grandad granddad grandpa grandfather
grandson granddaughter aunt auntie aunty uncle cousin niece nephew carer
""".split())
