#pragma once

// A QR code as an image (libqrencode, the one wrapper of that library): the presenter view shows one that
// opens the demo storefront on a phone.

#include <QImage>
#include <QString>

namespace QrCode {

// Black modules on white with a four-module quiet zone, each module `moduleSize` pixels. A null image when
// the text cannot be encoded (too long for a QR code).
QImage image(const QString& text, int moduleSize = 8);

} // namespace QrCode
