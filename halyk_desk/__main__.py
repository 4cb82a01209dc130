from halyk_desk.cli import main

raise SystemExit(main())
