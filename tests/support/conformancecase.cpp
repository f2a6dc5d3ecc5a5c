#include "conformancecase.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

#include <algorithm>

namespace {

constexpr qint64 kDayMs = 86'400'000;

// Replaces "{{NOW…}}" and "{{REPEAT c n}}" string values; anything else is kept.
QJsonValue resolve(const QJsonValue& value, qint64 nowMs, const QString& file)
{
    if (value.isArray()) {
        QJsonArray array;
        for (const QJsonValue& item : value.toArray())
            array.append(resolve(item, nowMs, file));
        return array;
    }
    if (value.isObject()) {
        QJsonObject object = value.toObject();
        for (auto it = object.begin(); it != object.end(); ++it)
            it.value() = resolve(it.value(), nowMs, file);
        return object;
    }
    if (!value.isString())
        return value;
    const QString text = value.toString();
    if (!text.startsWith(QLatin1String("{{")) || !text.endsWith(QLatin1String("}}")))
        return value;
    static const QRegularExpression now(QStringLiteral(R"(^\{\{NOW(?:([+-])(\d+)(D?))?\}\}$)"));
    static const QRegularExpression repeat(QStringLiteral(R"(^\{\{REPEAT (\S) (\d+)\}\}$)"));
    if (const QRegularExpressionMatch m = now.match(text); m.hasMatch()) {
        qint64 offset = m.captured(2).toLongLong();
        if (m.captured(3) == QLatin1String("D"))
            offset *= kDayMs;
        if (m.captured(1) == QLatin1String("-"))
            offset = -offset;
        return QJsonValue(nowMs + offset);
    }
    if (const QRegularExpressionMatch m = repeat.match(text); m.hasMatch())
        return QString(m.captured(2).toInt(), m.captured(1).at(0));
    qFatal("%s: unknown placeholder %s", qPrintable(file), qPrintable(text));
}

ConformanceCase loadCase(const QString& path, qint64 nowMs)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot read %s", qPrintable(path));
    QJsonParseError error{};
    const QJsonDocument document = QJsonDocument::fromJson(file.readAll(), &error);
    if (error.error != QJsonParseError::NoError || !document.isObject())
        qFatal("%s: not a JSON object: %s", qPrintable(path), qPrintable(error.errorString()));
    const QJsonObject object = document.object();
    const QString name = QFileInfo(path).fileName();

    ConformanceCase c;
    c.file = name;
    c.number = object.value(QLatin1String("case")).toInt();
    c.name = object.value(QLatin1String("name")).toString();
    c.profile = object.value(QLatin1String("profile")).toString(QStringLiteral("current"));
    c.method = object.value(QLatin1String("method")).toString(QStringLiteral("POST")).toLatin1();
    c.path = object.value(QLatin1String("path")).toString(QStringLiteral("/1/events")).toUtf8();
    c.credentials = object.value(QLatin1String("credentials")).toString(QStringLiteral("headers"));
    c.httpOnly = object.value(QLatin1String("httpOnly")).toBool();
    c.requireCredentials = object.value(QLatin1String("requireCredentials")).toBool();
    const QJsonObject headers = object.value(QLatin1String("headers")).toObject();
    for (auto it = headers.begin(); it != headers.end(); ++it)
        c.headers.append({it.key().toLatin1(), it.value().toString().toLatin1()});

    if (object.contains(QLatin1String("bodyText"))) {
        c.body = object.value(QLatin1String("bodyText")).toString().toUtf8();
    } else if (object.contains(QLatin1String("body"))) {
        const QJsonValue body = resolve(object.value(QLatin1String("body")), nowMs, name);
        c.body = body.isArray() ? QJsonDocument(body.toArray()).toJson(QJsonDocument::Compact)
                                : QJsonDocument(body.toObject()).toJson(QJsonDocument::Compact);
    } else if (object.contains(QLatin1String("events"))) {
        const QJsonArray events = resolve(object.value(QLatin1String("events")), nowMs, name).toArray();
        const int repeat = object.value(QLatin1String("repeat")).toInt(1);
        const int padding = object.value(QLatin1String("padding")).toInt(0);
        QJsonArray all;
        for (int i = 0; i < repeat; ++i) {
            for (const QJsonValue& event : events) {
                QJsonObject copy = event.toObject();
                if (padding > 0)
                    copy.insert(QStringLiteral("padding"), QString(padding, QLatin1Char('p')));
                all.append(copy);
            }
        }
        c.body = QJsonDocument(QJsonObject{{QStringLiteral("events"), all}}).toJson(QJsonDocument::Compact);
    }

    const QJsonObject expect = object.value(QLatin1String("expect")).toObject();
    if (!expect.contains(QLatin1String("status")))
        qFatal("%s: expect.status is missing", qPrintable(name));
    c.expectStatus = expect.value(QLatin1String("status")).toInt();
    c.expectMessage = expect.value(QLatin1String("message")).toString();
    if (expect.contains(QLatin1String("unverified")))
        c.expectUnverified = expect.value(QLatin1String("unverified")).toBool();
    for (const QJsonValue& value : object.value(QLatin1String("expectEvents")).toArray()) {
        const QJsonObject e = value.toObject();
        c.expectEvents.append({e.value(QLatin1String("index")).toInt(),
                               e.value(QLatin1String("valid")).toBool(true),
                               e.value(QLatin1String("code")).toString()});
    }
    return c;
}

} // namespace

QString ConformanceCase::rowName() const
{
    return QStringLiteral("case %1: %2 (%3)").arg(number).arg(name, file);
}

QList<ConformanceCase> loadConformanceCases(qint64 nowMs)
{
    const QDir dir(QStringLiteral(INSIGHTS_TEST_DATA_DIR "/conformance"));
    const QStringList files = dir.entryList({QStringLiteral("*.json")}, QDir::Files, QDir::Name);
    if (files.isEmpty())
        qFatal("no conformance cases in %s", qPrintable(dir.path()));
    QList<ConformanceCase> cases;
    for (const QString& file : files)
        cases.append(loadCase(dir.filePath(file), nowMs));
    std::stable_sort(cases.begin(), cases.end(),
                     [](const ConformanceCase& a, const ConformanceCase& b) { return a.number < b.number; });
    return cases;
}
