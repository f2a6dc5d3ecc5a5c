#include "appsettings.h"

#include "datafolder/userfile.h"

#include <QDir>
#include <QVariantMap>

namespace {

// Opens an INI file of the data folder. QSettings writes atomically (QSaveFile) but, given a file it cannot
// parse, it would keep what it understood and write that back over the rest: such a file is kept aside as
// `name.broken-<time>` first, and what could be read is carried over. A file that cannot be read is
// reported. `problem` gets the message for the user, empty when the file was fine.
std::unique_ptr<QSettings> openIni(const QString& dataDir, const QString& fileName, QString& problem)
{
    const QString path = QDir(dataDir).filePath(fileName);
    auto settings = std::make_unique<QSettings>(path, QSettings::IniFormat);
    switch (settings->status()) {
    case QSettings::NoError:
        return settings;
    case QSettings::AccessError:
        problem = QStringLiteral("cannot read %1; settings changed now may not be saved").arg(path);
        UserFile::report(problem);
        return settings;
    case QSettings::FormatError:
        break;
    }
    QVariantMap readable;
    const QStringList keys = settings->allKeys();
    for (const QString& key : keys)
        readable.insert(key, settings->value(key));
    settings.reset();
    const UserFile::SetAside aside = UserFile::setAside(
        path, QStringLiteral("not a valid INI file; the %1 setting(s) that could be read were kept")
                  .arg(readable.size()));
    problem = aside.message;
    settings = std::make_unique<QSettings>(path, QSettings::IniFormat);
    if (!aside.keptAs.isEmpty()) {
        for (auto it = readable.cbegin(); it != readable.cend(); ++it)
            settings->setValue(it.key(), it.value());
        settings->sync();
    }
    return settings;
}

} // namespace

AppSettings::AppSettings(const QString& dataDir, QObject* parent)
    : QObject(parent)
    , m_settings(openIni(dataDir, QStringLiteral("settings.ini"), m_loadProblem))
    , target(m_settings.get(), QStringLiteral("send/target"), QStringLiteral("local"))
    , customTargetUrl(m_settings.get(), QStringLiteral("send/customUrl"), QString())
    , appId(m_settings.get(), QStringLiteral("send/appId"), QString())
    , endpointPort(m_settings.get(), QStringLiteral("endpoint/port"), 8421)
    , endpointBindAddress(m_settings.get(), QStringLiteral("endpoint/bindAddress"),
                          QStringLiteral("127.0.0.1"))
    , endpointRequiredAppId(m_settings.get(), QStringLiteral("endpoint/requiredAppId"), QString())
    , searchMode(m_settings.get(), QStringLiteral("endpoint/searchMode"), QStringLiteral("local"))
    , relayEvents(m_settings.get(), QStringLiteral("endpoint/relayEvents"), QStringLiteral("off"))
    , pollAlgoliaFeed(m_settings.get(), QStringLiteral("send/pollAlgoliaFeed"), true)
    , compatibilityProfile(m_settings.get(), QStringLiteral("validation/profile"), QStringLiteral("current"))
    , logRetention(m_settings.get(), QStringLiteral("log/retention"), 1'000'000)
    , defaultIndex(m_settings.get(), QStringLiteral("composer/defaultIndex"), QStringLiteral("movies"))
    , currency(m_settings.get(), QStringLiteral("composer/currency"), QStringLiteral("USD"))
    , eventNameHistory(m_settings.get(), QStringLiteral("composer/eventNames"),
                       {QStringLiteral("Product Clicked"), QStringLiteral("Product Viewed"),
                        QStringLiteral("Added To Cart"), QStringLiteral("Order Completed")})
    , importedCatalogs(m_settings.get(), QStringLiteral("catalog/files"), QStringList())
{}

AppSettings::~AppSettings()
{
    m_settings->sync();
}

QString AppSettings::filePath() const
{
    return m_settings->fileName();
}

void AppSettings::sync()
{
    m_settings->sync();
    Q_EMIT changed();
}

void AppSettings::rememberEventName(const QString& name)
{
    const QString trimmed = name.trimmed();
    if (trimmed.isEmpty())
        return;
    QStringList names = eventNameHistory.value();
    names.removeAll(trimmed);
    names.prepend(trimmed);
    while (names.size() > kEventNameHistorySize)
        names.removeLast();
    eventNameHistory.setValue(names);
}

WindowState::WindowState(const QString& dataDir)
    : m_settings(openIni(dataDir, QStringLiteral("window-state.ini"), m_loadProblem))
    , geometry(m_settings.get(), QStringLiteral("window/geometry"), QByteArray())
    , windowState(m_settings.get(), QStringLiteral("window/state"), QByteArray())
    , tableHeader(m_settings.get(), QStringLiteral("window/tableHeader"), QByteArray())
    , recentFilters(m_settings.get(), QStringLiteral("window/recentFilters"), QStringList())
    , theme(m_settings.get(), QStringLiteral("window/theme"), QStringLiteral("system"))
    , zoomPercent(m_settings.get(), QStringLiteral("window/zoomPercent"), 100)
    , selectedUserId(m_settings.get(), QStringLiteral("window/selectedUser"), QString())
    , composerTab(m_settings.get(), QStringLiteral("window/composerTab"), 0)
    , composerDraft(m_settings.get(), QStringLiteral("window/composerDraft"), QByteArray())
    , composerKind(m_settings.get(), QStringLiteral("window/composerKind"), QString())
{}

WindowState::~WindowState()
{
    m_settings->sync();
}

QString WindowState::filePath() const
{
    return m_settings->fileName();
}

void WindowState::sync()
{
    m_settings->sync();
}
