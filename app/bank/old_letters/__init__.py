"""Earlier answer letters (DOCX, PDF) read, proposed and confirmed into the bank."""
