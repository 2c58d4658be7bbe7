"""Writers for small real files of every supported type (each with a phrase to search for)."""

from __future__ import annotations

import json
from pathlib import Path

# A distinctive phrase per file type: every file is findable by searching for its own.
PHRASES = {
    "md": "The Lumen thermostat resets when you hold the dial for ten seconds.",
    "html": "Parcels damaged in transit are refunded within fourteen days.",
    "txt": "Our support line answers calls from eight until six on weekdays.",
    "csv": "Hoverboard",
    "eml": "My espresso machine leaks water from the steam wand.",
    "docx": "Warranty claims for the solar inverter need the original receipt.",
    "pptx": "Quarterly churn fell after the loyalty programme launched.",
    "xlsx": "Kettlebell",
    "pdf": "Firmware updates for the garage door opener install overnight.",
}


def write_md(path: Path, body: str | None = None) -> Path:
    body = body or PHRASES["md"]
    path.write_text(
        f"# Thermostat guide\n\n## Resetting\n\n{body}\n\n## Batteries\n\nUse two AA cells.\n"
    )
    return path


def write_html(path: Path) -> Path:
    path.write_text(
        "<html><head><title>Refunds</title></head><body>"
        f"<h1>Refund policy</h1><p>{PHRASES['html']}</p>"
        "<h2>Exceptions</h2><p>Gift cards cannot be refunded.</p></body></html>"
    )
    return path


def write_txt(path: Path, body: str | None = None) -> Path:
    path.write_text(body or f"Opening hours\n{PHRASES['txt']}\n")
    return path


def write_csv(path: Path) -> Path:
    path.write_text(f"product,price,stock\n{PHRASES['csv']},299,4\nScooter,199,12\n")
    return path


def write_eml(path: Path) -> Path:
    path.write_text(
        "From: Ada Customer <ada@example.com>\r\n"
        "To: support@example.com\r\n"
        "Subject: Leaking espresso machine\r\n"
        "Date: Mon, 3 Jun 2024 10:00:00 +0000\r\n"
        "Message-ID: <abc123@example.com>\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        f"Hello,\r\n\r\n{PHRASES['eml']}\r\nPlease advise.\r\n"
    )
    return path


def write_docx(path: Path) -> Path:
    import docx

    document = docx.Document()
    document.add_heading("Solar inverter warranty", level=1)
    document.add_paragraph(PHRASES["docx"])
    document.add_heading("Exclusions", level=2)
    document.add_paragraph("Damage from lightning is not covered.")
    document.save(str(path))
    return path


def write_pptx(path: Path) -> Path:
    import pptx

    deck = pptx.Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[1])
    slide.shapes.title.text = "Retention review"
    slide.placeholders[1].text = PHRASES["pptx"]
    deck.save(str(path))
    return path


def write_xlsx(path: Path) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Inventory"
    sheet.append(["product", "price", "stock"])
    sheet.append([PHRASES["xlsx"], 49, 30])
    sheet.append(["Yoga mat", 25, 80])
    book.save(str(path))
    return path


def write_pdf(path: Path) -> Path:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.setFont("Helvetica-Bold", 22)
    pdf.drawString(72, 760, "Garage door opener")
    pdf.setFont("Helvetica", 11)
    y = 720
    for line in [
        PHRASES["pdf"],
        "The opener keeps working during the update.",
        "Contact support if the light keeps blinking red afterwards.",
    ]:
        pdf.drawString(72, y, line)
        y -= 16
    pdf.showPage()
    pdf.save()
    return path


def write_jsonl(path: Path, records: list[object]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


RECORDS = [
    {
        "doc_id": "kb-1",
        "title": "Password reset",
        "text": "Reset your account password from the sign-in page link.",
        "metadata": {"product": "portal", "lang": "en"},
    },
    {
        "id": "kb-2",
        "title": "Mot de passe",
        "text": "Réinitialisez votre mot de passe depuis la page de connexion.",
        "metadata": {"product": "portal", "lang": "fr"},
    },
    {
        "doc_id": "kb-3",
        "title": "Router lights",
        "text": "A blinking orange light on the router means the firmware is updating.",
        "metadata": {"product": "router", "lang": "en"},
    },
]


# The file each type is written to by write_all (its document id, relative to the folder).
FILE_NAMES = {
    "md": "thermostat.md",
    "html": "refunds.html",
    "txt": "hours.txt",
    "csv": "products.csv",
    "eml": "ticket.eml",
    "docx": "warranty.docx",
    "pptx": "retention.pptx",
    "xlsx": "inventory.xlsx",
    "pdf": "opener.pdf",
}
RECORD_IDS = ["kb-1", "kb-2", "kb-3"]


def write_all(folder: Path) -> dict[str, Path]:
    """One file of every type in folder, plus kb.jsonl with RECORDS; returns paths by type."""
    folder.mkdir(parents=True, exist_ok=True)
    writers = {
        "md": write_md,
        "html": write_html,
        "txt": write_txt,
        "csv": write_csv,
        "eml": write_eml,
        "docx": write_docx,
        "pptx": write_pptx,
        "xlsx": write_xlsx,
        "pdf": write_pdf,
    }
    paths = {kind: writer(folder / FILE_NAMES[kind]) for kind, writer in writers.items()}
    paths["jsonl"] = write_jsonl(folder / "kb.jsonl", RECORDS)
    return paths
