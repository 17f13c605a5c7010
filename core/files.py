"""Files that hold personal data (ID numbers, phones, the whole ledger): readable and writable by their owner
only, from the moment they exist."""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE_MODE = 0o600


def new_private_file(path: Path) -> bool:
    """Create `path` empty with mode 0600, unless something is there already (left exactly as it is).

    Returns whether it was created. Creating it before a program writes into it leaves no moment when another
    user could open it: a program that truncates and writes a file keeps the file's mode.
    """
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE)
    except FileExistsError:
        return False
    os.close(descriptor)
    # The umask may have taken owner bits too; the mode is exactly 0600 either way.
    os.chmod(path, PRIVATE_MODE)
    return True


def private_file(path: Path) -> None:
    """Make `path` readable and writable by its owner only (mode 0600), creating it empty if missing.

    Call it just before writing personal data to `path` (an export, a backup), so that a file written earlier
    with a wider mode is closed too before it is overwritten. An OSError is the system's refusal, as when writing.
    """
    if not new_private_file(path):
        os.chmod(path, PRIVATE_MODE)
