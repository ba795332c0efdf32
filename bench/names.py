"""What the national data set is made of: the centres beyond the demo's two, people's names,
municipalities, and the words for generated tool types and sessions. Plain data only."""

from __future__ import annotations

# code, name_ka, name_en, municipality (a code of rental/data/municipalities.json), region
# weight (members), opening days mask, phone
CENTRES = [
    ("GLD", "გლდანის მრავალფუნქციური სერვისცენტრი", "Gldani Multifunctional Service Centre",
     "gldani", 1.6, 0b1111111, "+995322150101"),
    ("ISN", "ისნის მრავალფუნქციური სერვისცენტრი", "Isani Multifunctional Service Centre",
     "isani", 1.4, 0b0111111, "+995322150202"),
    ("OZR", "ოზურგეთის მრავალფუნქციური სერვისცენტრი", "Ozurgeti Multifunctional Service Centre",
     "ozurgeti", 0.8, 0b0011111, "+995496270303"),
    ("LNC", "ლანჩხუთის მრავალფუნქციური სერვისცენტრი",
     "Lanchkhuti Multifunctional Service Centre", "lanchkhuti", 0.5, 0b0011111, "+995494220404"),
    ("ZST", "ზესტაფონის მრავალფუნქციური სერვისცენტრი",
     "Zestaponi Multifunctional Service Centre", "zestaponi", 0.8, 0b0111111, "+995492250505"),
    ("SMT", "სამტრედიის მრავალფუნქციური სერვისცენტრი",
     "Samtredia Multifunctional Service Centre", "samtredia", 0.7, 0b0011111, "+995411220606"),
    ("TKB", "ტყიბულის მრავალფუნქციური სერვისცენტრი", "Tkibuli Multifunctional Service Centre",
     "tkibuli", 0.4, 0b0011111, "+995447220707"),
    ("TLV", "თელავის მრავალფუნქციური სერვისცენტრი", "Telavi Multifunctional Service Centre",
     "telavi", 0.9, 0b1111111, "+995350270808"),
    ("GRJ", "გურჯაანის მრავალფუნქციური სერვისცენტრი", "Gurjaani Multifunctional Service Centre",
     "gurjaani", 0.6, 0b0011111, "+995353220909"),
    ("SGR", "საგარეჯოს მრავალფუნქციური სერვისცენტრი", "Sagarejo Multifunctional Service Centre",
     "sagarejo", 0.6, 0b0111111, "+995354221010"),
]
# the demo's centres, when a base seed made them: how many members each serves
DEMO_CENTRE_WEIGHT = {"SMG": 2.0, "KUT": 1.2}

STREETS = [("რუსთაველის ქუჩა", "Rustaveli Street"),
           ("ჭავჭავაძის ქუჩა", "Chavchavadze Street"),
           ("აღმაშენებლის ქუჩა", "Aghmashenebeli Street"),
           ("თამარ მეფის ქუჩა", "Queen Tamar Street")]

# Georgian names with the Latin spelling members who read English use
FEMALE = [("ნინო", "Nino"), ("მარიამ", "Mariam"), ("თამარ", "Tamar"), ("ნათია", "Natia"),
          ("ეკა", "Eka"), ("ქეთევან", "Ketevan"), ("სალომე", "Salome"), ("ანა", "Ana"),
          ("ლიკა", "Lika"), ("ნანა", "Nana"), ("მაია", "Maia"), ("ირინე", "Irine"),
          ("ხათუნა", "Khatuna"), ("ლელა", "Lela"), ("ნატო", "Nato"), ("თეონა", "Teona"),
          ("ელენე", "Elene"), ("მზია", "Mzia"), ("ციცინო", "Tsitsino"), ("ქრისტინე", "Kristine"),
          ("ნესტან", "Nestan"), ("ლია", "Lia"), ("დარეჯან", "Darejan"), ("მანანა", "Manana")]
MALE = [("გიორგი", "Giorgi"), ("დავით", "Davit"), ("ლევან", "Levan"), ("ნიკა", "Nika"),
        ("ლუკა", "Luka"), ("ზურაბ", "Zurab"), ("ირაკლი", "Irakli"),
        ("ალექსანდრე", "Aleksandre"), ("თორნიკე", "Tornike"), ("გელა", "Gela"),
        ("მამუკა", "Mamuka"), ("ვახტანგ", "Vakhtang"), ("ბექა", "Beka"), ("ლაშა", "Lasha"),
        ("ოთარ", "Otar"), ("გოჩა", "Gocha"), ("თემურ", "Temur"), ("შოთა", "Shota"),
        ("რევაზ", "Revaz"), ("ავთანდილ", "Avtandil"), ("ზაზა", "Zaza"), ("კახა", "Kakha"),
        ("ნიკოლოზ", "Nikoloz"), ("სანდრო", "Sandro")]
SURNAMES = [("ბერიძე", "Beridze"), ("კაპანაძე", "Kapanadze"), ("მამულაშვილი", "Mamulashvili"),
            ("გელაშვილი", "Gelashvili"), ("ქავთარაძე", "Kavtaradze"), ("ლომიძე", "Lomidze"),
            ("ხარაიშვილი", "Kharaishvili"), ("ნოზაძე", "Nozadze"),
            ("ჯავახიშვილი", "Javakhishvili"), ("მაისურაძე", "Maisuradze"),
            ("გიორგაძე", "Giorgadze"), ("ბაქრაძე", "Bakradze"), ("წიკლაური", "Tsiklauri"),
            ("ჩხეიძე", "Chkheidze"), ("კვარაცხელია", "Kvaratskhelia"), ("ტაბატაძე", "Tabatadze"),
            ("აბაშიძე", "Abashidze"), ("დოლიძე", "Dolidze"), ("მჭედლიძე", "Mchedlidze"),
            ("ხუციშვილი", "Khutsishvili"), ("ნადირაძე", "Nadiradze"), ("ღლონტი", "Ghlonti"),
            ("სულაბერიძე", "Sulaberidze"), ("ჭანტურია", "Chanturia"), ("ცინცაძე", "Tsintsadze"),
            ("შენგელია", "Shengelia"), ("ჯაფარიძე", "Japaridze"), ("კობახიძე", "Kobakhidze"),
            ("ბურჭულაძე", "Burchuladze"), ("გოგოლაძე", "Gogoladze")]
# members who read Russian: (female, male) first names and surname forms
RU_FEMALE = ["Анна", "Елена", "Ольга", "Наталья", "Ирина", "Светлана"]
RU_MALE = ["Сергей", "Алексей", "Андрей", "Дмитрий", "Игорь", "Армен"]
RU_SURNAMES = [("Иванова", "Иванов"), ("Петрова", "Петров"), ("Смирнова", "Смирнов"),
               ("Мамедова", "Мамедов"), ("Арутюнян", "Арутюнян"), ("Кузнецова", "Кузнецов")]
# a building association borrows for its common areas
ASSOCIATION = "ბინათმესაკუთრეთა ამხანაგობა №{n}"

# mobile operators' prefixes that phonenumbers accepts for Georgia
MOBILE_PREFIXES = ["551", "555", "557", "558", "568", "571", "574", "577", "579", "591", "592",
                   "593", "595", "596", "597", "598", "599"]

# what distinguishes generated tool types of one kind: a size or power and a model code
SPECS = ["12 V", "18 V", "20 V", "600 W", "900 W", "1200 W", "2000 W", "16 mm", "25 mm",
         "32 mm", "50 mm", "2 m", "5 m", "10 m", "mini", "PRO", "XL", "compact"]
MODEL_LETTERS = "ABCDEKMNPRSTVX"

DONORS = ["IOM Development Fund", "Swiss Agency for Development and Cooperation", "UNDP",
          "EU4Business", "municipality"]
INSPECTORS = ["ნინო ჩხეიძე", "ზურაბ ლომიძე", "Elektro-Standard Ltd"]
INSTRUCTORS = ["ნინო ჩხეიძე", "გელა ბერიძე", "მაია ტაბატაძე", "Levan Gelashvili"]
ROOMS = ["1", "2", "სახელოსნო", "workshop"]
# sessions that teach no certified skill
OPEN_SESSIONS = [
    ("საყოფაცხოვრებო ტექნიკის მარტივი შეკეთება", "Simple household appliance repairs"),
    ("სანტექნიკის საფუძვლები", "Plumbing basics"),
    ("ბაღის ხელსაწყოების მოვლა", "Caring for garden tools"),
    ("კედლის შეკეთება და შეღებვა", "Repairing and painting walls"),
]
DAMAGE_NOTES = ["კაბელი დაზიანებულია", "Chuck does not close", "აკლია საქშენი",
                "Cracked housing", "ძრავი ხმაურობს"]
