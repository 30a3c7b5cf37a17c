"""Votes end to end through the command line (in-process, as an administrator scripts it):
30 checked-in participants; a body with weighted members and 5 delegations, one to an absent
delegate; a secret single-choice vote cast on the kiosk path; a paper-ballot vote counted by
scanned option codes with a duplicate and a forged ballot; a participatory budget with both rules.
"""

import json

from p311desk.cli import main


class Cli:
    def __init__(self, tmp_path, capsys):
        self.dir, self.capsys = tmp_path, capsys

    def __call__(self, *args, ok=True):
        code = main(["--data-dir", str(self.dir), *args])
        out = self.capsys.readouterr()
        if ok:
            assert code == 0, out.err + out.out
        else:
            assert code == 1, out.err + out.out
            return out.err
        return out.out

    def last(self, *args):
        return self(*args).strip().split()[-1]

    def json(self, *args):
        return json.loads(self(*args, "--json"))


def test_votes_end_to_end(tmp_path, capsys):
    cli = Cli(tmp_path, capsys)
    people = tmp_path / "people.csv"
    people.write_text("Nom;Cognoms;Codi\n" + "".join(f"Persona {i};Puig;P{i:04d}\n" for i in range(1, 37)),
                      encoding="utf-8")
    sid = cli.last("sessions", "create", "Consell de barri", "--kind", "assembly")[:8]
    cli("sessions", "open", sid)
    cli("participants", "import", str(people), "--session", sid, "--yes")
    absent = {f"P{i:04d}" for i in range(9, 15)}  # body members 9-14 stay home
    here = [f"P{i:04d}" for i in range(1, 37) if f"P{i:04d}" not in absent]
    for code in here:
        cli("checkin", sid, code)
    assert len(here) == 30

    # --- a body with weighted members: entities 1-4 have 2 votes; 14 members, 18 votes --------
    cli("bodies", "create", "Consell de Medi Ambient")
    members = tmp_path / "members.csv"
    members.write_text("name,code,role,weight\n" + "".join(
        f"Persona {i} Puig,P{i:04d},{'entitat' if i <= 4 else 'veí'},{2 if i <= 4 else 1}\n" for i in range(1, 15)),
        encoding="utf-8")
    assert "Nothing was imported yet" in cli("bodies", "import", "Consell de Medi Ambient", str(members))
    cli("bodies", "import", "Consell de Medi Ambient", str(members), "--yes")
    listing = cli("bodies", "list", "Consell de Medi Ambient")
    assert "14 members, 18 votes" in listing
    for giver, holder in (("P0009", "P0001"), ("P0010", "P0002"), ("P0011", "P0003"), ("P0012", "P0004"),
                          ("P0013", "P0014")):  # the last delegate is absent: that vote counts for nothing
        cli("delegations", "add", sid, giver, holder, "--by", "Secretaria")
    assert "already holds" in cli("delegations", "add", sid, "P0005", "P0001", ok=False)
    assert "cannot delegate" in cli("delegations", "add", sid, "P0014", "P0006", ok=False)
    assert "same body" in cli("delegations", "add", sid, "P0005", "P0020", ok=False)

    q = cli.last("votes", "create", sid, "Aprovem el reglament?", "--method", "yes-no", "--body",
                 "Consell de Medi Ambient", "--weighted", "--quorum", "2/3", "--quorum-by", "weight", "--majority", "absolute",
                 "--of", "members")[:8]
    assert "12 of 14 may vote" in cli("votes", "open", q)  # 8 present + 4 represented
    for code, choice in (("P0001", "yes"), ("P0002", "yes"), ("P0003", "yes"), ("P0004", "yes"),
                         ("P0005", "no"), ("P0006", "no"), ("P0007", "abstain"), ("P0008", "1")):
        cli("votes", "cast", q, code, choice, "--roll-call")
    cli("votes", "proxy", q, "P0001", "yes=1")
    cli("votes", "cast", q, "P0002", "yes", "--for", "P0010")
    cli("votes", "proxy", q, "P0003", "no=1")
    cli("votes", "proxy", q, "P0004", "yes=1")
    assert "not present when the vote opened" in cli("votes", "cast", q, "P0014", "yes", ok=False)
    assert "does not carry" in cli("votes", "cast", q, "P0001", "no", "--for", "P0013", ok=False)
    assert "already voted" in cli("votes", "cast", q, "P0005", "yes", ok=False)
    assert "Unknown code" in cli("votes", "cast", q, "NOBODY99", "yes", ok=False)
    cli("votes", "close", q)
    r = cli.json("votes", "results", q)
    assert (r["status"], r["method"], r["secret"], r["eligible"], r["present"]) == ("closed", "yes_no", False, 18, 16)
    assert [(o["label"], o["votes"]) for o in r["options"]] == [("Yes", 12), ("No", 3)]
    assert r["cast"] == 16 and r["blank"] == 0 and r["invalid"] == 0
    assert r["quorum"] == {"required": 12, "reached": True}
    assert r["outcome"] == "approved"
    assert r["explanation"].startswith("Approved: 12 yes of 16 present; an absolute majority of members needs 10.")
    assert "absent: 1" in r["explanation"]
    roll = cli("votes", "roll-call", q)
    assert "P0001" in roll and "carried by Persona 2 Puig" in roll

    # --- a secret single-choice vote on the kiosk path --------------------------------------
    q = cli.last("votes", "create", sid, "On fem la festa?", "--method", "single",
                 "--options", "Plaça;Parc;Biblioteca", "--secret")[:8]
    cli("votes", "open", q)
    plan = ["Plaça"] * 12 + ["Parc"] * 9 + ["3"] * 4 + ["blank"] * 2
    for code, choice in zip(here, plan, strict=False):
        cli("votes", "cast", q, code, choice)
    assert "already voted" in cli("votes", "cast", q, here[0], "Parc", ok=False)
    assert "There is no option" in cli("votes", "cast", q, here[-1], "Platja", ok=False)
    live = cli.json("votes", "results", q)
    assert live["cast"] == 27 and all(o["votes"] is None for o in live["options"]) and live["outcome"] == ""
    cli("votes", "close", q)
    r = cli.json("votes", "results", q)
    assert [o["votes"] for o in r["options"]] == [12, 9, 4] and r["blank"] == 2 and r["cast"] == 27
    assert (r["eligible"], r["present"], r["outcome"]) == (36, 30, "elected")  # 36 registered, 30 here
    assert r["explanation"].startswith("“Plaça” wins with 12 of 25 votes cast")

    # --- paper ballots counted by scanning option codes --------------------------------------
    q = cli.last("votes", "create", sid, "Tanquem el carrer els diumenges?", "--secret")[:8]
    cli("votes", "open", q)
    ballots = cli.json("votes", "ballots", q, "--count", "10")
    assert len(ballots) == 10 and set(ballots[0]) == {"serial", "serial_payload", "options", "weight"}
    assert [o["label"] for o in ballots[0]["options"]] == ["Yes", "No", "Abstain"]
    marks = [0, 0, 0, 0, 0, 1, 1, 2]  # yes ×5, no ×2, abstain ×1
    for ballot, mark in zip(ballots, marks, strict=False):
        assert "counted" in cli("votes", "scan", q, ballot["options"][mark]["payload"])
    assert "already been counted" in cli("votes", "scan", q, ballots[0]["options"][1]["payload"], ok=False)
    genuine = ballots[8]["options"][1]["payload"]
    forged = genuine[:-3] + ("AAA" if genuine[-3:] != "AAA" else "BBB")
    assert "forged" in cli("votes", "scan", q, forged, ok=False)
    cli("votes", "scan", q, ballots[8]["serial_payload"], "--choice", "no")
    cli("votes", "scan", q, ballots[9]["serial_payload"], "--choice", "invalid")
    cli("votes", "close", q)
    r = cli.json("votes", "results", q)
    assert [o["votes"] for o in r["options"]] == [5, 3] and r["abstain"] == 1 and r["invalid"] == 1
    assert r["cast"] == 10 and r["outcome"] == "approved"

    # --- a participatory budget: Decidim's rule and equal shares side by side ---------------
    q = cli.last("votes", "create", sid, "Pressupost participatiu 2027", "--method", "budget", "--budget", "100000",
                 "--costs", "Parc infantil=40000;Carril bici=40000;Casal de joves=39000;Fonts=30000",
                 "--rule", "equal-shares")[:8]
    cli("votes", "open", q)
    for i, code in enumerate(here):
        choice = ["Parc infantil", "Carril bici"] if i < 18 else ["Casal de joves"]
        cli("votes", "cast", q, code, *choice)
    cli("votes", "close", q)
    r = cli.json("votes", "results", q)
    assert r["selected"] == ["Parc infantil", "Casal de joves"]
    assert r["compare"] == {"greedy": ["Parc infantil", "Carril bici"],
                            "equal_shares": ["Parc infantil", "Casal de joves"]}
    assert [o["votes"] for o in r["options"]] == [18, 18, 12, 0]
    assert r["outcome"] == "selected" and "79,000 of 100,000" in r["explanation"]
    # --- closing the session in stages ---------------------------------------------------------
    cli("closing", sid, "count", "--by", "Secretaria")
    stages = cli("closing", sid, "results", "--by", "Secretaria").splitlines()
    assert stages[0].startswith("✓ Count") and stages[1].startswith("✓ Results") and stages[2].startswith("· ")
    assert "earlier closing stages" in cli("closing", sid, "minutes-signed", ok=False)
    assert "intact" in cli("audit", "verify")
