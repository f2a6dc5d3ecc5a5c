#pragma once

#include "event/vocabulary.h"
#include "log/eventlog.h"

#include <QColor>
#include <QHash>
#include <QIcon>
#include <QIdentityProxyModel>

// Adds the looks to the live table's rows, which the Core-only model cannot carry: a background per verdict
// (rejected, rejected with its batch, accepted with warnings, not delivered), the verdict's badge in the
// Status column and the test user's colour as a swatch.
class EventTableStyle final : public QIdentityProxyModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EventTableStyle)

public:
    explicit EventTableStyle(QObject* parent = nullptr);

    // Colour per user token.
    void setTestUserColours(const QHash<QString, QColor>& colours);
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;

    static QColor verdictColour(Verdict verdict);
    // The badge of a record's status, in this palette's tone: a shape per verdict, a magnifier for a search
    // (which has no verdict). Cached; GUI thread only.
    static QIcon badge(Verdict verdict, RecordKind kind);

private:
    QHash<QString, QColor> m_colours;
};
