from overcast.cli.main import main

main()
