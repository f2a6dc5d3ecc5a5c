#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>

#include <optional>

// One conformance case of insights-api.md §7, loaded from tests/data/conformance (see its README.md),
// with placeholders resolved against `nowMs`.
struct ConformanceCase
{
    struct ExpectedEvent
    {
        int index = 0;
        bool valid = true;
        QString code; // empty: any
    };

    QString file;
    int number = 0;
    QString name;
    QString profile = QStringLiteral("current");
    QByteArray method = "POST";
    QByteArray path = "/1/events";
    QList<QPair<QByteArray, QByteArray>> headers;
    QString credentials = QStringLiteral("headers");
    QByteArray body;
    bool httpOnly = false;
    bool requireCredentials = false;
    int expectStatus = 200;
    QString expectMessage;
    // expect.unverified, when present: whether the answer's message is our wording (Algolia publishes none).
    std::optional<bool> expectUnverified;
    QList<ExpectedEvent> expectEvents;

    // Display name for data-driven tests: "case 27: eventName longer than 64 characters (27-....json)".
    QString rowName() const;
};

// Every case file, sorted by case number then file name. Fails loudly (qFatal) on a malformed file: a broken
// fixture must not silently drop a case.
QList<ConformanceCase> loadConformanceCases(qint64 nowMs);
