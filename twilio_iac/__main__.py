from twilio_iac.cli import main

main()
