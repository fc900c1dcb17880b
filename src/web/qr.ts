// The QR code of an otpauth URL, drawn on the server as a PNG data URL (the CSP allows
// `img-src data:`), so the secret never goes to a third-party QR service.

import QRCode from 'qrcode';

export function qrDataUrl(text: string): Promise<string> {
  return QRCode.toDataURL(text, { errorCorrectionLevel: 'M', margin: 2, width: 220, type: 'image/png' });
}
