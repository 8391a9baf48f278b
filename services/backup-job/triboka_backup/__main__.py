from triboka_backup.cli import main

raise SystemExit(main())
