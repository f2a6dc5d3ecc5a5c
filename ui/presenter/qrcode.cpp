#include "qrcode.h"

#include <qrencode.h>

#include <memory>

namespace {

constexpr int kQuietZone = 4; // modules of white around the code, as the standard asks

struct QrFree
{
    void operator()(QRcode* code) const { QRcode_free(code); }
};

} // namespace

namespace QrCode {

QImage image(const QString& text, int moduleSize)
{
    const QByteArray utf8 = text.toUtf8();
    // Level M: readable from a projector or a screen across a table, still small for a URL.
    const std::unique_ptr<QRcode, QrFree> code(QRcode_encodeString8bit(utf8.constData(), 0, QR_ECLEVEL_M));
    if (!code || moduleSize < 1)
        return {};
    const int modules = code->width;
    const int side = (modules + 2 * kQuietZone) * moduleSize;
    QImage out(side, side, QImage::Format_Grayscale8);
    out.fill(Qt::white);
    for (int y = 0; y < modules; ++y) {
        for (int x = 0; x < modules; ++x) {
            // Bit 0 of each byte is the module's colour (1 = dark); the other bits describe its role.
            if (!(code->data[y * modules + x] & 1))
                continue;
            for (int dy = 0; dy < moduleSize; ++dy) {
                uchar* line = out.scanLine((y + kQuietZone) * moduleSize + dy);
                std::fill_n(line + (x + kQuietZone) * moduleSize, moduleSize, uchar(0));
            }
        }
    }
    return out;
}

} // namespace QrCode
