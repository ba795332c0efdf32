from pathlib import Path

from piccolo.conf.apps import AppConfig, table_finder

APP_CONFIG = AppConfig(
    app_name="bookings",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=table_finder(["bookings.tables", "bookings.reports.tables"],
                               exclude_imported=True),
    migration_dependencies=["rental.piccolo_app"],
    commands=[],
)
