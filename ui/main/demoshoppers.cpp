#include "demoshoppers.h"

#include "catalog/catalogset.h"
#include "demo/demorunner.h"
#include "desktopsession.h"
#include "settings/appsettings.h"
#include "snippets.h"

#include <QAction>
#include <QDateTime>
#include <QMenu>
#include <QUrl>

DemoShoppers::DemoShoppers(DesktopSession* session, QObject* parent)
    : QObject(parent)
    , m_session(session)
{}

DemoShoppers::~DemoShoppers() = default;

bool DemoShoppers::isRunning() const
{
    return m_runner && m_runner->isRunning();
}

void DemoShoppers::setMistake(DemoMistake mistake, bool on)
{
    if (on)
        m_mistakes.insert(mistake);
    else
        m_mistakes.remove(mistake);
}

std::optional<QString> DemoShoppers::start()
{
    if (isRunning())
        return std::nullopt;
    const QString base = m_session->endpointBaseUrl();
    if (base.isEmpty())
        return tr("The embedded endpoint is off: %1").arg(m_session->endpointError());
    if (m_session->searchMode() != SearchMode::Local)
        return tr("Demo shoppers search through the endpoint's local search: set Search to \"local\" in "
                  "Settings");
    const QList<std::shared_ptr<const IndexCatalog>> catalogs = m_session->catalogs()->catalogs();
    if (catalogs.isEmpty())
        return tr("No index catalog is loaded: shoppers need records to search and buy");
    // A wildcard bind address is not one to connect to: the one rule that turns it into this machine's.
    const QUrl url(Snippets::reachableBaseUrl(base));
    DemoRunOptions options;
    options.insightsBase = url;
    options.searchBase = url;
    if (const QString appId = m_session->settings()->endpointRequiredAppId.value(); !appId.isEmpty()) {
        options.appId = appId;
        options.apiKey = m_session->endpointApiKey();
    }
    options.shoppers = kShoppers;
    options.speed = kSpeed;
    options.durationSeconds = kMaxDurationSeconds;
    options.seed = static_cast<quint64>(QDateTime::currentMSecsSinceEpoch()); // a new crowd each time
    options.mistakes = m_mistakes;
    m_catalog = catalogs.first();
    auto runner = std::make_unique<DemoRunner>(m_catalog.get(), options);
    if (const std::optional<QString> error = runner->start())
        return error;
    connect(runner.get(), &DemoRunner::finished, this, [this] {
        const DemoRunSummary& summary = m_runner->summary();
        Q_EMIT statusChanged(tr("Demo shoppers stopped: %1 searches, %2 events (%3 accepted, %4 rejected)")
                                 .arg(summary.searches)
                                 .arg(summary.events)
                                 .arg(summary.accepted)
                                 .arg(summary.rejected));
        Q_EMIT runningChanged(false);
    });
    m_runner = std::move(runner);
    Q_EMIT statusChanged(
        tr("%n demo shopper(s) shopping on %1", nullptr, kShoppers).arg(m_catalog->indexName()));
    Q_EMIT runningChanged(true);
    return std::nullopt;
}

void DemoShoppers::stop()
{
    if (isRunning())
        m_runner->stop(); // finished() follows once the requests in flight are answered
}

void DemoShoppers::populateMenu(QMenu* menu)
{
    auto* toggle = menu->addAction(tr("Start demo shoppers"));
    toggle->setObjectName(QStringLiteral("demoShoppersAction"));
    toggle->setCheckable(true);
    toggle->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_D));
    // Also from the presenter window, which is full screen over the main window.
    toggle->setShortcutContext(Qt::ApplicationShortcut);
    toggle->setToolTip(tr("Scripted shoppers search, view, click, add to cart and buy through this app's "
                          "endpoint (%1)")
                           .arg(toggle->shortcut().toString(QKeySequence::NativeText)));
    connect(toggle, &QAction::triggered, this, [this, toggle](bool on) {
        if (!on) {
            // Requests in flight are answered first: until then the action says so and waits.
            toggle->setEnabled(false);
            toggle->setText(tr("Stopping demo shoppers…"));
            stop();
            return;
        }
        if (const std::optional<QString> error = start()) {
            toggle->setChecked(false);
            Q_EMIT statusChanged(*error);
        }
    });
    connect(this, &DemoShoppers::runningChanged, toggle, [toggle](bool running) {
        toggle->setChecked(running);
        toggle->setEnabled(true);
        toggle->setText(running ? tr("Stop demo shoppers") : tr("Start demo shoppers"));
    });
    QMenu* mistakes = menu->addMenu(tr("Mistakes to make"));
    mistakes->setObjectName(QStringLiteral("demoMistakesMenu"));
    mistakes->setToolTip(tr("Applies to the next start"));
    for (const DemoMistake mistake : allDemoMistakes()) {
        QAction* action = mistakes->addAction(demoMistakeDescription(mistake));
        action->setObjectName(QStringLiteral("demoMistake-") + demoMistakeName(mistake));
        action->setCheckable(true);
        connect(action, &QAction::toggled, this, [this, mistake](bool on) { setMistake(mistake, on); });
    }
}
