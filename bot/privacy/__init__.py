"""Personal data: masks for logs and messages (``masks``), and the data-protection rights."""
from bot.privacy.masks import mask_email, mask_phone, mask_tax_code

__all__ = ["mask_email", "mask_phone", "mask_tax_code"]
