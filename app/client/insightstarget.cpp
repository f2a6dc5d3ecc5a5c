#include "insightstarget.h"

std::optional<InsightsTarget> InsightsTarget::parse(const QString& text)
{
    const QString lower = text.trimmed().toLower();
    if (lower == QLatin1String("local"))
        return InsightsTarget{TargetKind::Local, {}};
    if (lower == QLatin1String("us"))
        return InsightsTarget{TargetKind::Us, {}};
    if (lower == QLatin1String("de"))
        return InsightsTarget{TargetKind::De, {}};
    if (lower == QLatin1String("global"))
        return InsightsTarget{TargetKind::Global, {}};
    const QUrl url(text.trimmed(), QUrl::StrictMode);
    if (url.isValid() && (url.scheme() == QLatin1String("http") || url.scheme() == QLatin1String("https")) &&
        !url.host().isEmpty() && !url.hasQuery() && !url.hasFragment() && url.userInfo().isEmpty())
        return custom(url);
    return std::nullopt;
}

InsightsTarget InsightsTarget::custom(const QUrl& url)
{
    QUrl base = url;
    QString path = base.path();
    while (path.endsWith(QLatin1Char('/')))
        path.chop(1);
    base.setPath(path);
    return InsightsTarget{TargetKind::Custom, base};
}

QString InsightsTarget::name() const
{
    switch (kind) {
    case TargetKind::Local:
        return QStringLiteral("local");
    case TargetKind::Us:
        return QStringLiteral("us");
    case TargetKind::De:
        return QStringLiteral("de");
    case TargetKind::Global:
        return QStringLiteral("global");
    case TargetKind::Custom:
        return customUrl.toString();
    }
    return {};
}

QUrl InsightsTarget::baseUrl(const ClientHosts& hosts) const
{
    switch (kind) {
    case TargetKind::Local:
        return hosts.local;
    case TargetKind::Us:
        return hosts.insightsUs;
    case TargetKind::De:
        return hosts.insightsDe;
    case TargetKind::Global:
        return hosts.insightsGlobal;
    case TargetKind::Custom:
        return customUrl;
    }
    return {};
}

QUrl joinUrl(const QUrl& base, const QString& path)
{
    QUrl url = base;
    QString prefix = url.path(QUrl::FullyEncoded);
    while (prefix.endsWith(QLatin1Char('/')))
        prefix.chop(1);
    // Tolerant mode keeps percent-escapes of `path` as they are: a userToken may contain '/' (%2F).
    url.setPath(prefix + path, QUrl::TolerantMode);
    return url;
}

QString targetLabel(TargetKind kind)
{
    switch (kind) {
    case TargetKind::Local:
        return QStringLiteral("Embedded endpoint");
    case TargetKind::Us:
        return QStringLiteral("Algolia (US)");
    case TargetKind::De:
        return QStringLiteral("Algolia (DE)");
    case TargetKind::Global:
        return QStringLiteral("Algolia (closest region)");
    case TargetKind::Custom:
        break;
    }
    return QStringLiteral("Custom URL");
}
